"""What every view shares: the theme and the undo commands."""
