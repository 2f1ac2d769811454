"""One pure function per answer type: plain data in, a cited Answer out."""
