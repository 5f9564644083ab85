from django.contrib import admin

from .models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "done", "created"]
    list_filter = ["done"]
    search_fields = ["title", "body"]
