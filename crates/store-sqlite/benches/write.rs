//! Write throughput benchmark (being built).

fn main() {}
