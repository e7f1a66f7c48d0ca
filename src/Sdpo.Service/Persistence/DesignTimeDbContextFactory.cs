using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Sdpo.Service.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<SdpoDbContext>
{
    public SdpoDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SdpoDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
