"""studio/interop"""
