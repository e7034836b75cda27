fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let parsed = lintas_syntax::parse(lintas_syntax::FileId(0), &text);
        println!(
            "{path}: {} items, {} comments",
            parsed.file.items.len(),
            parsed.file.comments.len()
        );
        for d in &parsed.diagnostics {
            let (l, c) = lintas_syntax::span::line_col(&text, d.primary.span.start as usize);
            println!(
                "  {}:{l}:{c} {} {}",
                d.code,
                d.message,
                d.help.clone().unwrap_or_default()
            );
        }
    }
}
