fn main() {
    let r = luneo_obs_core::generate(&Default::default());
    for d in &r.diagnostics {
        eprintln!("{}", d.render());
    }
    for (k, v) in &r.files {
        println!("=== {k}\n{v}");
    }
}
