fn main() -> std::process::ExitCode {
    synthkit::tools::llm_batch::main()
}
