"""widgets/training"""
