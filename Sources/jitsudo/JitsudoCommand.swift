import JitsudoCLI

/// `jitsudo`: the command-line client engineers and on-call responders use. Everything lives in `JitsudoCLI`.
@main
enum JitsudoMain {
    static func main() async {
        await Jitsudo.runMain()
    }
}
