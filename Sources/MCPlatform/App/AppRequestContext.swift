import Hummingbird
import Logging

/// The request context of every route: Hummingbird's core storage (whose logger carries the
/// request id as `hb.request.id`).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
