fn main() -> std::process::ExitCode {
    synthkit::tools::dist_report::main()
}
