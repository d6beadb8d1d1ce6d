//! Python bindings over `ci-core` (`cos_ci._cos_ci`). An empty shell until the Python
//! wheel issue fills it.
