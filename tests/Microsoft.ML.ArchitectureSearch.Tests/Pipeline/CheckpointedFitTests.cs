namespace Microsoft.ML.ArchitectureSearch.Tests.Pipeline;

/// <summary>Fit with a CheckpointDirectory: a second Fit with the same options resumes and trains no child again.</summary>
public sealed class CheckpointedFitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nas-fit-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ArchitectureSearchTransformer Fit(MLContext ml, IDataView train, int maxTrials)
    {
        ArchitectureSearchOptions options = FittedImageModelFixture.ImageOptions();
        options.MaxTrials = maxTrials;
        options.FinalEpochs = 1;
        options.CheckpointDirectory = _dir;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(train);
        return model.LastTransformer;
    }

    [Fact]
    public void SecondFitResumesFromTheCheckpointAndExtendsTheSearchAndSaysSoInTheMLContextLog()
    {
        var ml = new MLContext(seed: 4);
        IDataView train = ml.Data.LoadFromEnumerable(PipelineTestData.ReadCifar("data_batch_1.bin").Take(300));
        ArchitectureSearchTransformer first = Fit(ml, train, maxTrials: 2);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        ArchitectureSearchTransformer second = Fit(ml, train, maxTrials: 3);

        Assert.Contains(messages, m => m.Contains($"Resumed search from {_dir}: 2 trials"));

        Assert.Equal(3, second.Trials.Count(t => t.Kind == Microsoft.ML.ArchitectureSearch.Execution.TrialKind.Trained));
        // The first two trials are the logged ones, read back (a retrained child would have a new wall time).
        Assert.Equal(first.Trials.Select(t => (t.Hash, t.Reward, t.Result.WallTime)), second.Trials.Take(2).Select(t => (t.Hash, t.Reward, t.Result.WallTime)));

        // Other data with the same checkpoint directory is refused, not mixed in.
        IDataView other = ml.Data.LoadFromEnumerable(PipelineTestData.ReadCifar("data_batch_1.bin").Skip(300).Take(300));
        var e = Assert.Throws<InvalidOperationException>(() => Fit(ml, other, maxTrials: 3));
        Assert.Contains("DataFingerprint", e.Message);
    }
}
