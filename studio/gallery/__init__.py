"""studio/gallery"""
