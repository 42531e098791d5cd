fn main() -> std::process::ExitCode {
    synthkit::tools::persona_label::main()
}
