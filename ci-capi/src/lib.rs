//! C ABI over `ci-core`. An empty shell until the C ABI issue fills it: it exists so the
//! workspace layout, and the crate name `libcos_ci`, are fixed from the start.
