//! The EMAS record-linkage engine: finds which rows of several lists are the same person.
