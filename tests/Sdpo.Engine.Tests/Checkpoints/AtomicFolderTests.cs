using Sdpo.Engine.Checkpoints;

namespace Sdpo.Engine.Tests.Checkpoints;

public sealed class AtomicFolderTests : IDisposable
{
    private readonly string _parent = Path.Combine(Path.GetTempPath(), "sdpo-atomic-" + Guid.NewGuid().ToString("N"));
    private string Folder => Path.Combine(_parent, "adapter");

    public AtomicFolderTests() => Directory.CreateDirectory(_parent);

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public void WhileTheNewContentsAreWrittenReadersFindTheEarlierOnesWholeThenTheNewOnes()
    {
        AtomicFolder.Write(Folder, staging => WriteBoth(staging, "old"));

        AtomicFolder.Write(Folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "a"), "new");
            // Half written: a reader of the folder still sees the earlier pair, not one new file beside one old.
            Assert.Equal(["old", "old"], ReadBoth(Folder));
            File.WriteAllText(Path.Combine(staging, "b"), "new");
        });

        Assert.Equal(["new", "new"], ReadBoth(Folder));
        Assert.Equal(["adapter"], Directory.GetFileSystemEntries(_parent).Select(Path.GetFileName));
    }

    [Fact]
    public void AFirstWriteShowsNoFolderUntilItIsComplete()
    {
        AtomicFolder.Write(Folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "a"), "new");
            Assert.False(Directory.Exists(Folder));
            File.WriteAllText(Path.Combine(staging, "b"), "new");
        });
        Assert.Equal(["new", "new"], ReadBoth(Folder));
    }

    [Fact]
    public void AWriteThatFailsLeavesTheEarlierFolderAsItWasAndNothingBesideIt()
    {
        AtomicFolder.Write(Folder, staging => WriteBoth(staging, "old"));

        Assert.Throws<IOException>(() => AtomicFolder.Write(Folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "a"), "new");
            throw new IOException("disk full");
        }));

        Assert.Equal(["old", "old"], ReadBoth(Folder));
        Assert.Equal(["adapter"], Directory.GetFileSystemEntries(_parent).Select(Path.GetFileName));
    }

    [Fact]
    public void LeftoversOfACrashAreRemovedAndAnEarlierVersionPutBackWhereNoFolderIsLeft()
    {
        // A crash between moving the earlier version aside and renaming the new one into place.
        var previous = Directory.CreateDirectory(Folder + AtomicFolder.PreviousMarker + "1").FullName;
        WriteBoth(previous, "old");
        Directory.CreateDirectory(Folder + AtomicFolder.StagingMarker + "2");
        Directory.CreateDirectory(Path.Combine(_parent, "other.saving-3")); // not the folder's

        AtomicFolder.RemoveLeftovers(Folder);

        Assert.Equal(["old", "old"], ReadBoth(Folder));
        Assert.Equal(["adapter", "other.saving-3"], Directory.GetFileSystemEntries(_parent).Select(Path.GetFileName).Order());
        AtomicFolder.RemoveLeftovers(Path.Combine(_parent, "missing", "adapter")); // nothing there
    }

    private static void WriteBoth(string folder, string text)
    {
        File.WriteAllText(Path.Combine(folder, "a"), text);
        File.WriteAllText(Path.Combine(folder, "b"), text);
    }

    private static string[] ReadBoth(string folder) => [File.ReadAllText(Path.Combine(folder, "a")), File.ReadAllText(Path.Combine(folder, "b"))];
}
