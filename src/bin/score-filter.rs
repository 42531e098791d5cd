fn main() -> std::process::ExitCode {
    synthkit::tools::score_filter::main()
}
