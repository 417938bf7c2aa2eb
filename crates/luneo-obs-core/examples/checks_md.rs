//! Prints docs/checks.md, generated from the check registry (`make generate` writes it).

fn main() {
    print!("{}", luneo_obs_core::diag::registry::checks_markdown());
}
