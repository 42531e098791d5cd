fn main() -> std::process::ExitCode {
    synthkit::tools::fmt_migrate::main()
}
