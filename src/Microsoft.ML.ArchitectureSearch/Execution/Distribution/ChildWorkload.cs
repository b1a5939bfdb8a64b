namespace Microsoft.ML.ArchitectureSearch.Execution.Distribution;

/// <summary>
/// Everything a worker in another process needs to train this search's children exactly as this process would: the
/// settings (task, search space, training options; small, sent with every child) and the data (large, shipped once
/// per worker and addressed by <see cref="DataFingerprint"/>, which the worker recomputes before it trains anything).
/// </summary>
internal sealed class ChildWorkload
{
    public ChildWorkload(string dataFingerprint, string settings, bool lowerMetricIsBetter, Action<Stream> writeData)
    {
        DataFingerprint = dataFingerprint;
        Settings = settings;
        LowerMetricIsBetter = lowerMetricIsBetter;
        _writeData = writeData;
    }

    private readonly Action<Stream> _writeData;

    /// <summary>The search's data fingerprint (the same text the checkpoint stores): the data's content address.</summary>
    public string DataFingerprint { get; }

    /// <summary>JSON naming the task and holding its space and training options (<see cref="WorkloadSettings"/>).</summary>
    public string Settings { get; }

    /// <summary>Whether the children's validation metric is better lower (as <see cref="Training.IChildTrainer.LowerMetricIsBetter"/>).</summary>
    public bool LowerMetricIsBetter { get; }

    /// <summary>Writes the training and validation rows in the form <see cref="WorkerData.Load"/> reads.</summary>
    public void WriteData(Stream destination) => _writeData(destination);
}
