"""widgets/data"""
