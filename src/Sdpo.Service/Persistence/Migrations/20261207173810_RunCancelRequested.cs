using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sdpo.Service.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunCancelRequested : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "CancelRequested",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CancelRequested",
                table: "runs");
        }
    }
}
