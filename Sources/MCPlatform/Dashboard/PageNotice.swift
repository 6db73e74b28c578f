import Hummingbird

/// What a page says after a change redirected to it (`?notice=<raw value>`): one of a fixed set,
/// so that a link cannot make a page say anything else.
protocol PageNotice: RawRepresentable<String> {
    var text: String { get }
}

extension PageNotice {
    /// The notice the request's query names, if any.
    init?(_ request: Request) {
        self.init(rawValue: request.uri.queryParameters.get("notice") ?? "")
    }
}
