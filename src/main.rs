fn main() {
    std::process::exit(sdctr_doctor::cli::main());
}
