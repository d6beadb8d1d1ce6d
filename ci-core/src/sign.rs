//! COS request signing. (Filled in by the signing work.)
