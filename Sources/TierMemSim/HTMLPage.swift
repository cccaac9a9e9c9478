import Foundation

/// The frame of TierMem's self-contained HTML reports: inline CSS, no script, no external file,
/// so a page opens offline in any browser and can be mailed as it is.
enum HTMLPage {
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #1d2430; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
        table { border-collapse: collapse; } td, th { padding: 2px 14px 2px 0; vertical-align: top; text-align: left; }
        td:first-child { color: #5a6473; white-space: nowrap; }
        svg { background: #fafbfc; border: 1px solid #e3e6ea; }
        .axis { stroke: #9aa3ad; stroke-width: 1; } .grid { stroke: #e8ebef; stroke-width: 1; }
        text { font: 11px system-ui, sans-serif; fill: #39414d; }
        .legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; vertical-align: -1px; }
        </style></head><body>
        \(body)
        </body></html>
        """
    }

    static let colors = ["#2f6fdf", "#e08a1e", "#3aa05a", "#b54fb0"]

    static func legend(_ items: [(String, String)]) -> String {
        "<div class=\"legend\">" + items.map { "<span style=\"background:\($0.1)\"></span>\(escape($0.0))" }.joined() + "</div>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
