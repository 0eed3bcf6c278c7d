//! Policy validation (filled below).
