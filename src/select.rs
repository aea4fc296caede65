//! Artifact selection: which of a package's files an installer would pick for a target
//! environment (Python version and platform), so the default audit vets the install set rather
//! than every platform's wheels.
