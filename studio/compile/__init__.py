"""studio/compile"""
