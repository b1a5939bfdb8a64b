using Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nas-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AFailedWriteRemovesItsTemporaryFileAndLeavesThePreviousContent()
    {
        string path = Path.Combine(_dir, "strategy.state");
        AtomicFile.Write(path, s => s.Write("old"u8));
        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[300_000]);
            throw new IOException("No space left on device");
        }));
        Assert.Equal("No space left on device", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_dir));
    }
}
