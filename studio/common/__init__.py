"""studio/common"""
