/// The report's one stylesheet, inlined in the page so that `report.html` is a single file that opens
/// anywhere, offline.
enum ReportStyle {
    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1400px;padding:0 20px}
        h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
        h4{margin:10px 0 4px}table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
        table.summary th{font-weight:600;color:#555}.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}figure{margin:0}
        .scroll{overflow-x:auto}.muted{color:#888}tr.flag td{background:#fdecea}code{font-size:12px}
        pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:12px;line-height:1.35;max-height:480px}
        pre.diff .add{color:#116329;background:#e6ffec}pre.diff .del{color:#82071e;background:#ffebe9}pre.diff .file{color:#555;font-weight:600}
        svg text{font-family:system-ui,sans-serif}.plot-title{font-size:13px;font-weight:600}.tick{font-size:10px;fill:#555}
        .axis-label{font-size:11px;fill:#333}.legend{font-size:11px;fill:#333}.grid{stroke:#eee}.frame{fill:none;stroke:#bbb}
        .diagonal{stroke:#999;stroke-dasharray:4 3}.empty-cell{fill:#f1f1f1}.cell-value{font-size:10px}
        .spine{stroke:#ccc;stroke-width:2}.branch{fill:none;stroke:#aaa}.other-parent{fill:#fff;stroke:#888}.lineage-label{font-size:11.5px;font-family:ui-monospace,monospace}
        details summary{cursor:pointer;color:#345}footer{margin-top:40px;color:#888;font-size:12px}
        """
}
