/// HTML building for the console. Every piece of data goes through ``escape(_:)``; markup is only ever literal.
enum ConsoleHTML {
    /// Escapes text for element content and double-quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A whole page: the navigation for `identity` (nil when signed out) and `body` (already escaped markup).
    static func page(title: String, identity: String?, csrf: String?, body: String, refreshSeconds: Int? = nil) -> String {
        var navigation = ""
        if let identity, let csrf {
            navigation = """
                <nav><a href="/ui/">My requests</a> <a href="/ui/approvals">Approvals</a> <a href="/ui/audit">Audit</a> <a href="/ui/admin">Admin</a>
                <span class="who">\(escape(identity))</span>
                <form method="post" action="/ui/logout" class="inline">\(csrfField(csrf))<button type="submit">Sign out</button></form></nav>
                """
        }
        let refresh = refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\(refresh)
            <title>\(escape(title)) · jitsudo</title><link rel="stylesheet" href="/ui/style.css"></head>
            <body><header><a class="brand" href="/ui/">jitsudo</a>\(navigation)</header>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
    }

    /// The hidden CSRF field every form carries.
    static func csrfField(_ token: String) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(token))\">"
    }

    /// The state as a badge.
    static func badge(_ state: String) -> String {
        "<span class=\"state state-\(escape(state.lowercased()))\">\(escape(state))</span>"
    }

    /// The stylesheet at `/ui/style.css`.
    static let styleSheet = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.5rem;background:#1d2330;color:#fff}
        header a{color:#fff;text-decoration:none;margin-right:1rem}.brand{font-weight:700;font-size:1.2rem}
        nav{display:flex;gap:.5rem;align-items:center;flex:1}.who{margin-left:auto;opacity:.8}
        main{max-width:72rem;margin:1.5rem auto;padding:0 1.5rem}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e3e6ea}
        form.card,section.card{background:#fff;padding:1rem 1.25rem;border:1px solid #e3e6ea;border-radius:6px;margin:1rem 0}
        label{display:block;margin:.5rem 0 .2rem;font-weight:600}input,select,textarea{width:100%;max-width:32rem;padding:.35rem}
        input[type=checkbox]{width:auto}form.inline{display:inline}button{padding:.4rem .9rem;margin-top:.6rem;cursor:pointer}
        .state{padding:.1rem .45rem;border-radius:4px;font-size:.85rem;font-weight:600;background:#e3e6ea}
        .state-active{background:#c9f2d5}.state-pending{background:#fff1c2}.state-rejected,.state-revoked{background:#f8d0d0}
        .banner{background:#b3261e;color:#fff;padding:.6rem 1rem;border-radius:6px;font-weight:700}
        .error{background:#fdecea;border:1px solid #b3261e;padding:.75rem 1rem;border-radius:6px}
        .secret{font-family:ui-monospace,monospace;background:#1d2330;color:#c9f2d5;padding:.75rem;border-radius:6px;overflow-wrap:anywhere}
        code{white-space:pre-wrap;word-break:break-all}pre{background:#fff;border:1px solid #e3e6ea;padding:.5rem;overflow:auto}
        dl{display:grid;grid-template-columns:12rem 1fr;gap:.3rem 1rem}dt{font-weight:600}
        """
}
