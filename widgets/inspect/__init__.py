"""widgets/inspect"""
