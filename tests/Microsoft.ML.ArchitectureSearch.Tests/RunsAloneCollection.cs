namespace Microsoft.ML.ArchitectureSearch.Tests;

/// <summary>
/// Test classes that must not run beside any other: those that measure the whole process (its working set) and those
/// that compare trained children bit for bit. libtorch's thread settings are not fully per thread (a thread takes the
/// last count set anywhere on its first parallel operation), so a class setting its count while another trains can
/// change the other's last bits. xunit runs this collection's classes one at a time, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "runs alone";
}
