using Microsoft.ML.ArchitectureSearch.Orleans.Grains;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Tests.Distributed;

/// <summary>A worker silo checks the data it is sent against the fingerprint they were sent under.</summary>
public sealed class WorkerDataRefusalTests(OrleansTestCluster cluster) : IClassFixture<OrleansTestCluster>
{
    /// <summary>Ten 3x4x4 images and their labels, split 6 / 4, written as a search's workload data.</summary>
    private static (byte[] Bytes, string Fingerprint) Workload()
    {
        var pixels = Enumerable.Range(0, 10 * 48).Select(i => i % 7 / 7f).ToArray();
        var all = new ImageData(pixels, Enumerable.Range(0, 10).Select(i => i % 2).ToArray(), 3, 4, 4);
        ImageData train = all.Select(Enumerable.Range(0, 6).ToArray()), validation = all.Select(Enumerable.Range(6, 4).ToArray());
        string fingerprint = ImageFingerprint.Of(train, validation);
        var space = new CnnSearchSpace(new CnnSearchSpaceOptions { LayerCount = 1, InputHeight = 4, InputWidth = 4, ClassCount = 2 });
        using var stream = new MemoryStream();
        ImageWorkload.Create(space, new CnnTrainingOptions(), train, validation, fingerprint).WriteData(stream);
        return (stream.ToArray(), fingerprint);
    }

    [Fact]
    public async Task DataSentUnderAnotherFingerprintAreRefusedNamingBothAndNotKeptWhileMatchingDataAreKept()
    {
        (byte[] bytes, string fingerprint) = Workload();
        IChildWorkerGrain worker = cluster.Cluster.Client.GetGrain<IChildWorkerGrain>("refusal-test-" + Guid.NewGuid().ToString("N"));
        const string Other = "images:000000000000000000000000";

        await worker.AppendData(Other, 0, bytes);
        Exception refused = await Assert.ThrowsAnyAsync<Exception>(() => worker.CommitData(Other, bytes.Length));
        Assert.Contains("Data refused", refused.Message);
        Assert.Contains(Other, refused.Message);
        Assert.Contains(fingerprint, refused.Message);
        Assert.False(await worker.HasData(Other));

        await worker.AppendData(fingerprint, 0, bytes);
        await worker.CommitData(fingerprint, bytes.Length);
        Assert.True(await worker.HasData(fingerprint));
    }

    [Fact]
    public async Task ATruncatedTransferIsRefusedWithTheByteCounts()
    {
        (byte[] bytes, string fingerprint) = Workload();
        IChildWorkerGrain worker = cluster.Cluster.Client.GetGrain<IChildWorkerGrain>("truncation-test-" + Guid.NewGuid().ToString("N"));

        await worker.AppendData(fingerprint, 0, bytes[..100]);
        Exception refused = await Assert.ThrowsAnyAsync<Exception>(() => worker.CommitData(fingerprint, bytes.Length));
        Assert.Contains($"should be {bytes.Length} bytes but the worker received 100", refused.Message);
    }
}
