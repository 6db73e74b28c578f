import Hummingbird

/// The tenant a request is addressed to, and how it was named.
public struct TenantRoute: Sendable {
    /// How a request names its tenant.
    public enum Form: Sendable, Equatable {
        /// `<slug>.<base-domain>`, in the `Host` header.
        case host
        /// A `{slug}` path parameter on any host.
        case path
    }

    public let slug: String
    public let form: Form

    /// The tenant named by the route's `{slug}` parameter, else by the `Host` header.
    public init?(request: Request, context: some RequestContext, baseDomain: String) {
        if let slug = context.parameters.get("slug") {
            (self.slug, form) = (slug, .path)
        } else if let slug = TenantRouting.slug(fromHost: request.head.authority, baseDomain: baseDomain) {
            (self.slug, form) = (slug, .host)
        } else {
            return nil
        }
    }
}
