//! File system loading (filled below).
