fn main() -> std::process::ExitCode {
    synthkit::tools::shard_merge::main()
}
