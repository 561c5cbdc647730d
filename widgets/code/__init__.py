"""widgets/code"""
