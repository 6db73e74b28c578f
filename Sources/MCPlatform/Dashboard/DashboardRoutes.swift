import Hummingbird

/// The customer dashboard: server-rendered pages on the platform's host.
struct DashboardRoutes: Sendable {
    let platform: Platform

    func addRoutes(to router: Router<AppRequestContext>) {
        let dashboard = Dashboard(platform: platform)
        AccountPages(dashboard: dashboard).addRoutes(to: router)
        OrganizationPages(dashboard: dashboard).addRoutes(to: router)
        ServerPages(dashboard: dashboard).addRoutes(to: router)
        MemberPages(dashboard: dashboard).addRoutes(to: router)
        DocumentationPages(dashboard: dashboard).addRoutes(to: router)
        WalkthroughPages(dashboard: dashboard).addRoutes(to: router)
        AnalyticsPages(dashboard: dashboard).addRoutes(to: router)
        ServerSettingsPages(dashboard: dashboard).addRoutes(to: router)
        OperatorPages(dashboard: dashboard).addRoutes(to: router)
        OperatorErrorPages(dashboard: dashboard).addRoutes(to: router)
        PasswordPages(dashboard: dashboard).addRoutes(to: router)
        APIKeyPages(dashboard: dashboard).addRoutes(to: router)
        TicketPages(dashboard: dashboard).addRoutes(to: router)
        WebhookPages(dashboard: dashboard).addRoutes(to: router)
        AlertPages(dashboard: dashboard).addRoutes(to: router)
    }
}
