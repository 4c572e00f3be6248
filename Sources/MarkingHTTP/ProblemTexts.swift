import Texts

/// The title and detail of every declared problem code in each language, taken from the
/// text catalogue once per process: an answer then finds its texts with one lookup, and
/// a text missing from the catalogue is a typed error at start
/// (``ProblemCatalog/checkTexts()``), not a blank answer later.
struct ProblemTexts: Sendable {
    /// One text key's title and detail in the three languages.
    struct Translations: Sendable {
        var kk: ProblemCatalog.Text
        var ru: ProblemCatalog.Text
        var en: ProblemCatalog.Text

        func text(in language: Language) -> ProblemCatalog.Text {
            switch language {
            case .kk: kk
            case .ru: ru
            case .en: en
            }
        }
    }

    /// The texts by ``ProblemCatalog/Entry/textKey``.
    let byKey: [String: Translations]

    /// The texts of `entries` from `catalogue`; throws when one is missing or blank.
    init(_ catalogue: TextCatalogue, entries: [ProblemCatalog.Entry]) throws(TextsError) {
        var byKey: [String: Translations] = [:]
        for key in Set(entries.map(\.textKey)) {
            func text(_ language: Language) throws(TextsError) -> ProblemCatalog.Text {
                ProblemCatalog.Text(
                    title: try catalogue.required("problem.\(key).title", language),
                    detail: try catalogue.required("problem.\(key).detail", language))
            }
            byKey[key] = Translations(kk: try text(.kk), ru: try text(.ru), en: try text(.en))
        }
        self.byKey = byKey
    }

    /// The texts of every declared code from the bundled catalogue, resolved on first use.
    static let shared: Result<ProblemTexts, TextsError> = {
        do throws(TextsError) {
            return .success(try ProblemTexts(try TextCatalogue.bundled(), entries: ProblemCatalog.all.map(\.entry)))
        } catch {
            return .failure(error)
        }
    }()

    /// The text of `textKey` in `language`. Empty only when the catalogue could not be
    /// resolved, which a server never answers with: it checks at start and stops.
    static func text(of textKey: String, in language: Language) -> ProblemCatalog.Text {
        guard case .success(let texts) = shared, let translations = texts.byKey[textKey] else {
            return ProblemCatalog.Text(title: "", detail: "")
        }
        return translations.text(in: language)
    }
}

extension ProblemCatalog {
    /// Resolves every declared code's title and detail in each language from the text
    /// catalogue, once per process; throws when the catalogue or a text is missing. The
    /// server calls it at start, so a broken build stops there instead of answering
    /// problems without texts.
    public static func checkTexts() throws(TextsError) {
        _ = try ProblemTexts.shared.get()
    }
}
