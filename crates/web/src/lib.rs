//! The EMAS web application.
