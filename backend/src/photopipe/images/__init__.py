"""The image engine: pure Python over Pillow, no AWS imports."""
