"""widgets/app"""
