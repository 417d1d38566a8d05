import LaunchWatchCore

extension ProviderError.Code {
    /// `gcloud_not_found`: the `gcloud` executable was not found, or gcloud does not know the job.
    public static let gcloudNotFound: Self = "gcloud_not_found"
    /// `gcloud_not_started`: `gcloud` was found but could not be started.
    public static let gcloudNotStarted: Self = "gcloud_not_started"
    /// `gcloud_failed`: `gcloud` exited with an error (its message is kept) or its output could not
    /// be read.
    public static let gcloudFailed: Self = "gcloud_failed"
}
