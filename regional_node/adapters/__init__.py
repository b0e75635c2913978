"""Infrastructure: database models, engines, migrations, repositories."""
