fn main() -> std::process::ExitCode {
    synthkit::tools::phase_split::main()
}
