fn main() -> std::process::ExitCode {
    synthkit::tools::graph_validate::main()
}
