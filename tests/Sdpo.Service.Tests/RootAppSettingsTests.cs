using Sdpo.Service.Configuration;

namespace Sdpo.Service.Tests;

public sealed class RootAppSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sdpo-settings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_checkout_reads_the_settings_beside_the_solution_whatever_the_working_directory()
    {
        var checkout = Folder("checkout");
        File.WriteAllText(Path.Combine(checkout, "Sdpo.Service.sln"), "");
        File.WriteAllText(Path.Combine(checkout, RootAppSettings.FileName), "{}");
        var binaries = Folder("checkout/src/Sdpo.Service/bin/Debug/net10.0");
        File.WriteAllText(Path.Combine(binaries, RootAppSettings.FileName), "{}");

        Assert.Equal(Path.Combine(checkout, RootAppSettings.FileName), RootAppSettings.Find(Folder("elsewhere"), binaries));
    }

    [Fact]
    public void A_published_build_started_from_another_folder_reads_the_copy_beside_its_binaries()
    {
        var published = Folder("app");
        File.WriteAllText(Path.Combine(published, RootAppSettings.FileName), "{}");

        Assert.Equal(Path.Combine(published, RootAppSettings.FileName), RootAppSettings.Find(Folder("elsewhere"), published));
        Assert.Null(RootAppSettings.Find(Folder("elsewhere"), Folder("empty")));
    }

    private string Folder(string relative) => Directory.CreateDirectory(Path.Combine(_root, relative)).FullName;
}
