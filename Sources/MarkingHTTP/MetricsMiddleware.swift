import Hummingbird

/// Counts and times every request for ``APIMetrics``, by the route template the
/// router matched (`/api/v1/orders/{id}`), so codes in paths never become labels.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            metrics.request(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, nanoseconds: nanoseconds)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch {
            status = ProblemMiddleware<Context>.problem(for: error).status.code
            throw error
        }
    }
}
