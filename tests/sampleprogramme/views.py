from django.http import HttpResponse

from civilaffairs.portal.access import caseworker_required, resident_required


@caseworker_required
def index(request):
    return HttpResponse("样例业务工作台")


@resident_required
def resident(request):
    return HttpResponse("我的样例业务")
